"""The broker side: message events in, chunks with vectors out, ack after commit."""
