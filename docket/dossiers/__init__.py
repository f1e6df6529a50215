"""Dossiers: a case or a person as a PDF, and a draft communication to the UN Working
Group on Arbitrary Detention, read through the read door for one reader."""
