
sc