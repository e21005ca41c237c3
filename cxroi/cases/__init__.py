"""The case editor: a case, its assumption register, lines and scenarios."""
