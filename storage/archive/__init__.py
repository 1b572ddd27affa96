"""The e-archive: a submission information package (FGS Paketstruktur 2.0 = E-ARK CSIP + SIP 2.1.0)."""
