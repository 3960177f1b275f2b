python () {
    raise bb.parse.SkipRecipe("not for this build")
}
