import SystemInterface

/// The environment scripts start with: ours, changed by what the
/// environment.d files export.
///
/// Entries are kept as the bytes the kernel gave, as the reference's Python
/// (`os.environ` with surrogateescape) and bash keep them: a value that is
/// not UTF-8 (a Latin-1 `LESSCHARSET`, a path in a legacy encoding) reaches
/// scripts byte for byte. Only reading a value for our own use decodes it.
public struct ProcessEnvironment: Sendable, Equatable {
  /// `NAME=value` entries in order, as bytes.
  public private(set) var byteEntries: [[UInt8]]

  /// Creates an environment from `NAME=value` entries.
  public init(entries: [String]) {
    byteEntries = entries.map { Array($0.utf8) }
  }

  /// Creates an environment from `NAME=value` entries given as bytes.
  public init(byteEntries: [[UInt8]]) {
    self.byteEntries = byteEntries
  }

  /// The entries decoded as UTF-8 (bytes that are not become U+FFFD): for
  /// reading and showing, never for passing on.
  public var entries: [String] {
    byteEntries.map { String(decoding: $0, as: UTF8.self) }
  }

  /// Our own environment.
  public static func current() -> ProcessEnvironment {
    var entries: [[UInt8]] = []
    var cursor = environ
    while let entry = cursor.pointee {
      entries.append(Array(UnsafeRawBufferPointer(start: entry, count: strlen(entry))))
      cursor += 1
    }
    return ProcessEnvironment(byteEntries: entries)
  }

  /// The entries as a dictionary (the first of duplicate names wins, as
  /// getenv's does), values decoded as UTF-8.
  public var dictionary: [String: String] {
    var result: [String: String] = [:]
    for entry in byteEntries {
      let (name, value) = Self.split(entry)
      if result[name] == nil { result[name] = String(decoding: value, as: UTF8.self) }
    }
    return result
  }

  /// Applies the difference between two sets of exported variables: names
  /// added or changed in `after` are set, names missing from `after` are unset.
  public func applying(from before: [String: [UInt8]], to after: [String: [UInt8]]) -> ProcessEnvironment {
    var set: [String: [UInt8]] = [:]
    for (name, value) in after where before[name] != value { set[name] = value }
    let removed = Set(before.keys.filter { after[$0] == nil })
    guard !set.isEmpty || !removed.isEmpty else { return self }
    var result: [[UInt8]] = []
    var replaced = Set<String>()
    for entry in byteEntries {
      let name = Self.split(entry).name
      if removed.contains(name) { continue }
      if let value = set[name] {
        if replaced.insert(name).inserted { result.append(Array(name.utf8) + [UInt8(ascii: "=")] + value) }
        continue
      }
      result.append(entry)
    }
    for name in set.keys.sorted() where !replaced.contains(name) {
      result.append(Array(name.utf8) + [UInt8(ascii: "=")] + set[name]!)
    }
    return ProcessEnvironment(byteEntries: result)
  }

  /// `applying(from:to:)` for values given as text.
  public func applying(from before: [String: String], to after: [String: String]) -> ProcessEnvironment {
    applying(from: before.mapValues { Array($0.utf8) }, to: after.mapValues { Array($0.utf8) })
  }

  /// An entry's name (decoded; names are the shell's identifiers) and its value's bytes.
  static func split(_ entry: some Collection<UInt8>) -> (name: String, value: [UInt8]) {
    guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else {
      return (String(decoding: entry, as: UTF8.self), [])
    }
    return (String(decoding: entry[..<equals], as: UTF8.self), Array(entry[entry.index(after: equals)...]))
  }
}
