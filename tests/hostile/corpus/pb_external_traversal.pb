j(
location../../../../../../etc/passwdp