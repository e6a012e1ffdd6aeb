import SystemInterface

/// The environment scripts start with: ours, changed by what the
/// environment.d files export.
public struct ProcessEnvironment: Sendable, Equatable {
  /// `NAME=value` entries in order.
  public private(set) var entries: [String]

  /// Creates an environment from `NAME=value` entries.
  public init(entries: [String]) {
    self.entries = entries
  }

  /// Our own environment.
  public static func current() -> ProcessEnvironment {
    var entries: [String] = []
    var cursor = environ
    while let entry = cursor.pointee {
      entries.append(String(cString: entry))
      cursor += 1
    }
    return ProcessEnvironment(entries: entries)
  }

  /// The entries as a dictionary (the first of duplicate names wins, as getenv's does).
  public var dictionary: [String: String] {
    var result: [String: String] = [:]
    for entry in entries {
      let (name, value) = Self.split(entry)
      if result[name] == nil { result[name] = value }
    }
    return result
  }

  /// Applies the difference between two sets of exported variables: names
  /// added or changed in `after` are set, names missing from `after` are unset.
  public func applying(from before: [String: String], to after: [String: String])
    -> ProcessEnvironment
  {
    var set: [String: String] = [:]
    for (name, value) in after where before[name] != value { set[name] = value }
    let removed = Set(before.keys.filter { after[$0] == nil })
    guard !set.isEmpty || !removed.isEmpty else { return self }
    var result: [String] = []
    var replaced = Set<String>()
    for entry in entries {
      let name = Self.split(entry).name
      if removed.contains(name) { continue }
      if let value = set[name] {
        if replaced.insert(name).inserted { result.append(name + "=" + value) }
        continue
      }
      result.append(entry)
    }
    for name in set.keys.sorted() where !replaced.contains(name) {
      result.append(name + "=" + set[name]!)
    }
    return ProcessEnvironment(entries: result)
  }

  static func split(_ entry: String) -> (name: String, value: String) {
    guard let equals = entry.firstIndex(of: "=") else { return (entry, "") }
    return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
  }
}
