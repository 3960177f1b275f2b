// The config stage's parsing half: a recipe file into its records, signature analysis included.
// Apart from index.ts because it loads the signature analysis (shell and JavaScript parsers,
// basehashes), which a run whose recipes all come from the parse cache never needs.
export { recipeInfo } from "./recipe-record.js";
export { parseRecipeFile, type RecipeParseResult } from "./parse-recipe.js";
