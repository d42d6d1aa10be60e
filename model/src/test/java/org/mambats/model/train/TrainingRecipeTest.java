package org.mambats.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** train warns when a model's quantiles leave the database's q10/q50/q90 columns and the dashboard empty. */
class TrainingRecipeTest {
    @Test
    void theLevelsTheDashboardNeedsAreNamedWhenMissing() {
        assertNull(TrainingRecipe.missingDashboardLevels(TrainingRecipe.parseQuantiles(TrainingRecipe.DEFAULT_QUANTILES)));
        assertNull(TrainingRecipe.missingDashboardLevels(TrainingRecipe.parseQuantiles("0.05,0.1,0.5,0.9,0.95")));
        assertEquals("0.1, 0.9", TrainingRecipe.missingDashboardLevels(TrainingRecipe.parseQuantiles("0.05,0.5,0.95")));
        assertEquals("0.5", TrainingRecipe.missingDashboardLevels(TrainingRecipe.parseQuantiles("0.1,0.9")));
    }
}
