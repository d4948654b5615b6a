import Infinitic
import Testing

@Suite struct RetryPolicyTests {
    let error = ErrorDescription(typeName: "Module.Glitch", message: "boom")

    @Test func delayFollowsTheExponentialFormulaWithJitter() throws {
        let policy = RetryPolicy(minimumSeconds: 2, maximumSeconds: 100, backoffCoefficient: 3, randomFactor: 0.5)
        // delay = min(max, min * coef^n) * (1 + rf * (2r - 1))
        #expect(policy.secondsBeforeRetry(retryIndex: 0, error: error, random: 0.5) == 2)
        #expect(policy.secondsBeforeRetry(retryIndex: 1, error: error, random: 0.5) == 6)
        #expect(policy.secondsBeforeRetry(retryIndex: 2, error: error, random: 0.5) == 18)
        #expect(policy.secondsBeforeRetry(retryIndex: 2, error: error, random: 0) == 9, "r = 0: −50 %")
        #expect(policy.secondsBeforeRetry(retryIndex: 2, error: error, random: 1) == 27, "r = 1: +50 %")
        #expect(policy.secondsBeforeRetry(retryIndex: 5, error: error, random: 0.5) == 100, "capped at the maximum")
        let delay = try #require(policy.secondsBeforeRetry(retryIndex: 1, error: error, random: 0.25))
        #expect(abs(delay - 6 * 0.75) < 1e-9)
    }

    @Test func anUnboundedPolicyNeverGivesAnInfiniteDelay() {
        let policy = RetryPolicy(maximumSeconds: .infinity, backoffCoefficient: 1e300, maximumRetries: 10)
        #expect(policy.secondsBeforeRetry(retryIndex: 0, error: error, random: 0.5) == 1)
        #expect(policy.secondsBeforeRetry(retryIndex: 5, error: error, random: 0.5) == nil)
    }

    @Test func retriesStopAfterTheMaximum() {
        let policy = RetryPolicy(maximumRetries: 2)
        #expect(policy.secondsBeforeRetry(retryIndex: 1, error: error, random: 0.5) != nil)
        #expect(policy.secondsBeforeRetry(retryIndex: 2, error: error, random: 0.5) == nil)
    }

    @Test func noRetryUnlessConfigured() {
        #expect(RetryPolicy.none.secondsBeforeRetry(retryIndex: 0, error: error, random: 0.5) == nil)
        let defaults = RetryPolicy.exponential
        #expect(defaults.minimumSeconds == 1 && defaults.maximumSeconds == 1000 && defaults.maximumRetries == 11)
        #expect(defaults.backoffCoefficient == 2 && defaults.randomFactor == 0.5)
    }

    @Test func nonRetryableErrorsAreNotRetried() {
        #expect(
            RetryPolicy(nonRetryableErrors: ["Glitch"]).secondsBeforeRetry(retryIndex: 0, error: error, random: 0.5)
                == nil)
        #expect(
            RetryPolicy(nonRetryableErrors: ["Module.Glitch"]).secondsBeforeRetry(
                retryIndex: 0, error: error, random: 0.5)
                == nil)
        let typed = RetryPolicy.exponential.notRetrying(PaymentDeclined.self)
        let declined = ErrorDescription(PaymentDeclined(reason: "r", amount: 1), codec: JSONPayloadCodec())
        #expect(typed.secondsBeforeRetry(retryIndex: 0, error: declined, random: 0.5) == nil)
        #expect(typed.secondsBeforeRetry(retryIndex: 0, error: error, random: 0.5) != nil)
    }
}
