# A value for a filtered-out override: the RecipeParsed handler skips the recipe.
R_A = "a"
R_A:gone = "a-gone"
