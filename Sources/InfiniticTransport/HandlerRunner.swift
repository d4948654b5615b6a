/// Runs a handler on a message and turns what happened into the disposition to apply, the same way for
/// every transport:
/// - a thrown error becomes a retry with exponential backoff (`retryDelay`);
/// - a retry requested on the last allowed delivery becomes a dead letter naming the last reason;
/// - a cancelled handler (shutdown) yields nil: leave the message unacknowledged, it will come back.
package enum HandlerRunner {
    package static func run(
        _ handler: MessageHandler, _ message: ReceivedMessage, maxDeliveries: Int
    ) async -> Disposition? {
        let disposition: Disposition
        do {
            disposition = try await handler(message)
        } catch is CancellationError {
            return nil
        } catch {
            if Task.isCancelled { return nil }
            disposition = .retry(after: retryDelay(afterDelivery: message.deliveryCount), reason: "\(error)")
        }
        if case .retry(_, let reason) = disposition, message.deliveryCount >= maxDeliveries {
            return .deadLetter(reason: "gave up after \(message.deliveryCount) deliveries: \(reason)")
        }
        return disposition
    }

    /// The delay before redelivering a message whose handler threw: 100 ms doubling, at most 30 s.
    package static func retryDelay(afterDelivery delivery: Int) -> Duration {
        let exponent = min(max(delivery - 1, 0), 20)
        return min(.milliseconds(100) * (1 << exponent), .seconds(30))
    }
}
