/// Which signals a receive accepts, evaluated by the workflow state engine on the encoded signal without the
/// workflow's types (see `PayloadValue`). Paths are keys separated by dots (`"customer.id"`), a number indexes
/// an array (`"lines.0.sku"`), the empty path is the signal itself. A path that does not exist satisfies only
/// `.missing`; comparing values of different kinds is false.
///
/// ```swift
/// approvals.receive(where: .all([.equals("decision", "approved"), .greaterThan("amount", 100)]))
/// events.receive(where: .isCase("shipped"))          // one case of an enum payload
/// ```
public indirect enum SignalFilter: Sendable, Hashable, Codable {
    case equals(String, PayloadValue)
    case notEquals(String, PayloadValue)
    case lessThan(String, PayloadValue)
    case lessThanOrEqual(String, PayloadValue)
    case greaterThan(String, PayloadValue)
    case greaterThanOrEqual(String, PayloadValue)
    /// The path exists (even with a nil value).
    case exists(String)
    /// The path does not exist.
    case missing(String)
    /// The signal is this case of an enum (`Codable` writes an enum case with associated values, or any case of
    /// an enum without raw values, as an object whose only key is the case name; a raw-value enum as its raw
    /// value), at `path` (the signal itself by default).
    case isCase(String, at: String = "")
    case all([SignalFilter])
    case any([SignalFilter])
    case not(SignalFilter)

    /// Whether `signal` passes the filter.
    public func accepts(_ signal: PayloadValue) -> Bool {
        switch self {
        case .equals(let path, let literal): return signal.value(at: path) == literal
        case .notEquals(let path, let literal): return signal.value(at: path).map { $0 != literal } ?? false
        case .lessThan(let path, let literal): return compare(signal, path, literal) { $0 < 0 }
        case .lessThanOrEqual(let path, let literal): return compare(signal, path, literal) { $0 <= 0 }
        case .greaterThan(let path, let literal): return compare(signal, path, literal) { $0 > 0 }
        case .greaterThanOrEqual(let path, let literal): return compare(signal, path, literal) { $0 >= 0 }
        case .exists(let path): return signal.value(at: path) != nil
        case .missing(let path): return signal.value(at: path) == nil
        case .isCase(let name, let path):
            switch signal.value(at: path) {
            case .object(let entries)?: return entries.count == 1 && entries[name] != nil
            case .string(let raw)?: return raw == name
            default: return false
            }
        case .all(let filters): return filters.allSatisfy { $0.accepts(signal) }
        case .any(let filters): return filters.contains { $0.accepts(signal) }
        case .not(let filter): return !filter.accepts(signal)
        }
    }

    /// Orders two numbers or two strings; other kinds do not compare.
    private func compare(
        _ signal: PayloadValue, _ path: String, _ literal: PayloadValue, _ test: (Int) -> Bool
    ) -> Bool {
        switch (signal.value(at: path), literal) {
        case (.number(let a)?, .number(let b)): return test(a < b ? -1 : a > b ? 1 : 0)
        case (.string(let a)?, .string(let b)): return test(a < b ? -1 : a > b ? 1 : 0)
        default: return false
        }
    }
}
