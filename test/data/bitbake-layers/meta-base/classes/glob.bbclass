GLOB = "1"
