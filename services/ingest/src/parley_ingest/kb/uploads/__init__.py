"""Files uploaded to a project: ``/v1/kb/documents`` and ``parley kb add``."""
