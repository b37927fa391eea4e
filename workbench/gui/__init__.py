"""The Qt shell: PySide6 and pyqtgraph live only under this package."""
