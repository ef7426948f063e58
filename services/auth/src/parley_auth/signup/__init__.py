"""Signup: a request with a PIN the instance owner passes on, then confirmation."""
