from .change_visualizer import ChangeLocalVisualizer
from .display import draw_change_overlay, select_bands, stretch_to_uint8, to_display_rgb

__all__ = [
    'ChangeLocalVisualizer', 'to_display_rgb', 'select_bands', 'stretch_to_uint8',
    'draw_change_overlay'
]
