extension Duration {
    /// Whole milliseconds, rounded up (a timeout or an expiry is never shortened), as Redis takes them.
    var redisMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int((Double(attoseconds) / 1e15).rounded(.up))
    }
}
