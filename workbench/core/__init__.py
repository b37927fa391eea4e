"""The Qt-free core: specs, data, models, training and runs. Never imports Qt."""
