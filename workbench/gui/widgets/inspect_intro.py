"""What the Inspect tab says before any training: what will appear, and why it matters."""

INTRO = """
<h2>Inside the network, live</h2>
<p>Press <b>Train</b> (F5) and this tab shows what the recurrent layers do with a few
<i>probe</i> sequences (by default the first 4 of the validation split), updated while the
model learns — as often as the <b>Refresh</b> setting on the left allows: <i>light</i> keeps
inspection to about 2% of training time (about once a second for a small model, less for a
large one), <i>a few per second</i> spends up to 6%:</p>
<ul>
<li><b>Activations</b> — every hidden unit over time, under the input it reads; for an LSTM also
its cell state and its four gates, for a GRU its reset, update and new gates. For text, the
characters coloured by one unit, to spot units that track quotes, line ends or words.</li>
<li><b>Gate health</b> — saturated gates, units that never move, and the mean forget (LSTM) or
update (GRU) gate, over training.</li>
<li><b>Gradient flow</b> — how strongly the loss reaches back to each time step. In a plain
RNN that signal shrinks exponentially with distance, so it <i>forgets</i> what it saw long
ago; the cell state of an LSTM and the update gate of a GRU give the gradient a path
that does not fade, so they <i>remember</i>.</li>
<li><b>Trajectory</b> — the hidden state's path over time on its two main directions.</li>
<li><b>Predictions</b> — forecasts, a confusion matrix, or sampled text, at each epoch end.</li>
</ul>
<p style="color:#555">Choose the probe and the refresh on the left (they apply to the next
run); untick <i>Inspect while training</i> to turn inspection off.</p>
"""
