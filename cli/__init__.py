"""The command line face of banquan: parses arguments, calls registry services, prints results."""
