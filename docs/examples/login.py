import getpass

password = getpass.getpass("Password: ")
print(f"Logged in (a password of {len(password)} characters).")
