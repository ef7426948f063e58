"""The embedding models the embedder embeds with, their back-fill, and ``parley embeddings``."""
