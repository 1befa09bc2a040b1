"""Inbound e-mail: mailboxes read over IMAP, and replies and new mail turned into cases."""
