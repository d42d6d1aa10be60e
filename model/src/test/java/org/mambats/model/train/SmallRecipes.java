package org.mambats.model.train;

/** Recipes a test trains in seconds: one narrow layer, a state of 4, short windows, batches of 8, one thread. */
public final class SmallRecipes {
    private SmallRecipes() {
    }

    public static TrainingRecipe small(String horizons, int dModel, int epochs, int window) {
        TrainingRecipe r = new TrainingRecipe();
        r.horizons = horizons;
        r.dModel = dModel;
        r.layers = 1;
        r.dState = 4;
        r.epochs = epochs;
        r.window = window;
        r.batch = 8;
        r.threads = 1;
        return r;
    }
}
