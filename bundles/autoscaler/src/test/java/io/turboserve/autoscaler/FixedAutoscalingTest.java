package io.turboserve.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.turboserve.api.policy.PolicyState;
import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;

class FixedAutoscalingTest {
    static FixedAutoscaling.Config budget(int n) {
        return new FixedAutoscaling.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return FixedAutoscaling.Config.class;
            }

            @Override
            public int budget() {
                return n;
            }
        };
    }

    @Test
    void asksForItsConfiguredBudgetWhateverTheLoad() {
        var r = new FixedAutoscaling(budget(6)).scale(null, m -> 0, PolicyState.NONE);
        assertEquals(6, r.targetBudget());
    }

    @Test
    void rejectsABudgetBelowOne() {
        FixedAutoscaling policy = new FixedAutoscaling(3);
        var e = assertThrows(IllegalArgumentException.class, () -> policy.configure(budget(0)));
        assertEquals("io.turboserve.autoscaler.fixed: budget must be at least 1, got 0", e.getMessage());
        assertEquals(3, policy.scale(null, m -> 0, PolicyState.NONE).targetBudget(), "an invalid edit changes nothing");
        // At start, an invalid file gives the default budget (4) rather than no policy.
        assertEquals(4, new FixedAutoscaling(budget(0)).scale(null, m -> 0, PolicyState.NONE).targetBudget());
    }

    @Test
    void plainConstructorServesOutsideOsgiWithTheSameValidation() {
        assertEquals(3, new FixedAutoscaling(3).scale(null, m -> 0, PolicyState.NONE).targetBudget());
        var e = assertThrows(IllegalArgumentException.class, () -> new FixedAutoscaling(-2));
        assertEquals("io.turboserve.autoscaler.fixed: budget must be at least 1, got -2", e.getMessage());
    }
}
