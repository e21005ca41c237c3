"""User administration (role ``admin``)."""
