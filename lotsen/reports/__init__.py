"""The managers' dashboard, exports, the yearly report and escalation of late cases."""
