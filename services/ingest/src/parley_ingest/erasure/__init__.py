"""Erasing a data subject: a contact and everything that names them, with an audit entry."""
