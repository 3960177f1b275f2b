PROVIDES = "virtual/blob"
