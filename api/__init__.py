"""The HTTP face of banquan: parses requests, calls registry services, presents the results."""
