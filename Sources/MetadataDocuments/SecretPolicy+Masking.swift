// MARK: - Secret values in documents

extension SecretPolicy {
  /// What a secret value is shown as where no keyed digest stands for it.
  public static let maskedText = "<secret>"

  /// A copy of `value` with every secret leaf replaced by `token(leaf)`;
  /// `secret` says whether `value` itself lies beneath a secret key.
  public static func masking(_ value: JSONValue, secret: Bool = false, token: (JSONValue) -> JSONValue)
    -> JSONValue
  {
    switch value {
    case .object(let members):
      return .object(
        members.map { member in
          let isSecret = isSecretMember(member.key, of: members, inherited: secret)
          return (member.key, masking(member.value, secret: isSecret, token: token))
        })
    case .array(let values):
      return .array(values.map { masking($0, secret: secret, token: token) })
    default:
      return secret ? token(value) : value
    }
  }

  /// Whether `value` holds any secret leaf.
  public static func holdsSecrets(_ value: JSONValue) -> Bool {
    var found = false
    _ = masking(value) { leaf in
      found = true
      return leaf
    }
    return found
  }

  /// Every secret leaf of `value`, in document order.
  public static func secretLeaves(of value: JSONValue) -> [JSONValue] {
    var leaves: [JSONValue] = []
    _ = masking(value) { leaf in
      leaves.append(leaf)
      return leaf
    }
    return leaves
  }
}
