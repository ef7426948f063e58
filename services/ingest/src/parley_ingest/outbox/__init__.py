"""The transactional outbox: events written with their rows, published by the relay."""
