"""Process integration: the reference interface graph, the CMDB graph and what the records show of both."""
