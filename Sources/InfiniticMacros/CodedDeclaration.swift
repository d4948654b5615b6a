import SwiftSyntax

/// What a synthesized `Codable` conformance codes, read from a declaration (for `@BinaryWritable` and
/// `@BinaryReadable`).
enum CodedDeclaration {
    /// A stored instance property.
    struct Property {
        let name: String
        /// The type as written; for an optional, the type it wraps.
        let valueType: String
        let isOptional: Bool
        /// A `let` with an initial value: encoded, but never decoded (its value is fixed).
        let isInitializedConstant: Bool
    }

    /// The stored instance properties of `members` in declaration order, or nil if one has no written type
    /// (`untyped` is called for each: the type tells whether the property is optional).
    static func properties(
        _ members: MemberBlockSyntax, untyped: (String, PatternBindingSyntax) -> Void
    ) -> [Property]? {
        var properties: [Property] = []
        var failed = false
        for member in members.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self),
                !variable.modifiers.contains(where: { ["static", "class"].contains($0.name.text) })
            else { continue }
            let isConstant = variable.bindingSpecifier.text == "let"
            for binding in variable.bindings {
                // Computed properties are not coded (observers alone keep a property stored).
                if let accessors = binding.accessorBlock, !isObserversOnly(accessors) { continue }
                guard let name = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier.text else { continue }
                guard let type = binding.typeAnnotation?.type else {
                    untyped(name, binding)
                    failed = true
                    continue
                }
                properties.append(
                    Property(
                        name: name, valueType: valueType(type), isOptional: isOptional(type),
                        isInitializedConstant: isConstant && binding.initializer != nil))
            }
        }
        return failed ? nil : properties
    }

    private static func isObserversOnly(_ accessors: AccessorBlockSyntax) -> Bool {
        guard case .accessors(let list) = accessors.accessors else { return false }
        return list.allSatisfy { ["willSet", "didSet"].contains($0.accessorSpecifier.text) }
    }

    /// Whether `type` is written as an optional (`T?`, `T!`, `Optional<T>`).
    static func isOptional(_ type: TypeSyntax) -> Bool {
        if type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return true }
        if let identifier = type.as(IdentifierTypeSyntax.self) { return identifier.name.text == "Optional" }
        if let member = type.as(MemberTypeSyntax.self) { return member.name.text == "Optional" }
        return false
    }

    /// The type as written, or the type an optional wraps (`T` of `T?`, `T!` and `Optional<T>`).
    static func valueType(_ type: TypeSyntax) -> String {
        if let optional = type.as(OptionalTypeSyntax.self) { return optional.wrappedType.trimmedDescription }
        if let optional = type.as(ImplicitlyUnwrappedOptionalTypeSyntax.self) {
            return optional.wrappedType.trimmedDescription
        }
        if isOptional(type) {
            let arguments =
                type.as(IdentifierTypeSyntax.self)?.genericArgumentClause?.arguments
                ?? type.as(MemberTypeSyntax.self)?.genericArgumentClause?.arguments
            if let argument = arguments?.first, arguments?.count == 1 { return argument.argument.trimmedDescription }
        }
        return type.trimmedDescription
    }

    /// Whether the enum declares a raw type (its first inherited type, a standard library value type).
    static func hasRawValues(_ declaration: EnumDeclSyntax) -> Bool {
        let rawTypes: Set<String> = [
            "String", "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64",
            "Double", "Float", "Character",
        ]
        guard let first = declaration.inheritanceClause?.inheritedTypes.first?.type.trimmedDescription else {
            return false
        }
        return rawTypes.contains(first)
    }

    /// The cases of an enum, in declaration order.
    static func cases(of declaration: EnumDeclSyntax) -> [EnumCaseElementSyntax] {
        declaration.memberBlock.members.flatMap { $0.decl.as(EnumCaseDeclSyntax.self)?.elements.map { $0 } ?? [] }
    }

    /// The key of an enum case's associated value at `index`: its label, or `_index` when unlabeled.
    static func associatedValueKey(_ parameter: EnumCaseParameterSyntax, index: Int) -> String {
        parameter.firstName.map { $0.text == "_" ? "_\(index)" : $0.text } ?? "_\(index)"
    }
}
