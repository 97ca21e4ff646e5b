from .change_visualizer import ChangeLocalVisualizer
from .display import draw_change_overlay, select_bands, stretch_to_uint8, to_display_rgb
from .log_curves import plot_curves, save_figure
from .scalar_log import RunLog, find_scalars_file, load_run

__all__ = [
    'ChangeLocalVisualizer', 'to_display_rgb', 'select_bands', 'stretch_to_uint8',
    'draw_change_overlay', 'RunLog', 'find_scalars_file', 'load_run', 'plot_curves', 'save_figure'
]
