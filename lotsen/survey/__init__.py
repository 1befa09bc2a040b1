"""The satisfaction survey (NKI, compatible with SKR Insikt) sent after each closed case."""
