"""Telling an official about a case: an in-app notice (the Notiser page) and an e-mail.

The work domains call notify_official() for what they do (a contribution asked, a handover);
reactions to what happens to a case itself (a new lead) come through the case signals, which
register_receivers() connects at app start.
"""
