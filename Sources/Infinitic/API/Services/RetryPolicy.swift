import Foundation

/// When to retry a failed task: exponential backoff with jitter,
/// `delay = min(maximum, minimum · coefficient^n) · (1 + randomFactor · (2r − 1))` for the n-th retry
/// (n from 0) and r uniform in [0, 1), at most `maximumRetries` times, never for `nonRetryableErrors`.
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var minimumSeconds: Double
    public var maximumSeconds: Double
    public var backoffCoefficient: Double
    public var randomFactor: Double
    public var maximumRetries: Int
    /// Error type names (`MyError` or `MyModule.MyError`) never retried.
    public var nonRetryableErrors: Set<String>

    public init(
        minimumSeconds: Double = 1, maximumSeconds: Double? = nil, backoffCoefficient: Double = 2,
        randomFactor: Double = 0.5, maximumRetries: Int = 11, nonRetryableErrors: Set<String> = []
    ) {
        self.minimumSeconds = minimumSeconds
        self.maximumSeconds = maximumSeconds ?? minimumSeconds * 1000
        self.backoffCoefficient = backoffCoefficient
        self.randomFactor = randomFactor
        self.maximumRetries = maximumRetries
        self.nonRetryableErrors = nonRetryableErrors
    }

    /// No retry (the default for every service).
    public static let none = RetryPolicy(maximumRetries: 0)

    /// The usual exponential policy: from 1 s, doubling, at most 1000 s, ±50 %, 11 retries.
    public static let exponential = RetryPolicy()

    /// Adds error types never to retry.
    public func notRetrying(_ types: any Error.Type...) -> RetryPolicy {
        var policy = self
        policy.nonRetryableErrors.formUnion(types.map { String(reflecting: $0) })
        return policy
    }

    /// The delay before retrying after the failure of attempt `retryIndex` (0 = first attempt), or nil to give
    /// up. `random` is r in [0, 1).
    public func secondsBeforeRetry(retryIndex: Int, error: ErrorDescription, random: Double) -> Double? {
        guard retryIndex < maximumRetries, isRetryable(error) else { return nil }
        let base = min(maximumSeconds, minimumSeconds * pow(backoffCoefficient, Double(retryIndex)))
        let delay = max(0, base * (1 + randomFactor * (2 * random - 1)))
        return delay.isFinite ? delay : nil
    }

    /// Whether an error of this type may be retried.
    public func isRetryable(_ error: ErrorDescription) -> Bool {
        !nonRetryableErrors.contains(error.typeName) && !nonRetryableErrors.contains(error.shortTypeName)
    }
}
