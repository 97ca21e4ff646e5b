"""Change annotation tool: a local Flask app with a synchronized dual-image canvas front end."""
from .app import create_app
from .preannotation import PreAnnotator

__all__ = ['create_app', 'PreAnnotator']
