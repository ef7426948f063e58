"""FastStream consumer: chunks messages, embeds them in batches, stores vectors in pgvector."""
