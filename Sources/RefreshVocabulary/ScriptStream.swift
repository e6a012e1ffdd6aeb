/// Which output stream of a script bytes came from.
public enum ScriptStream: String, CaseIterable, Sendable, Hashable, Codable {
  case stdout
  case stderr
}

/// What an input file of a run is.
public enum InputKind: String, CaseIterable, Sendable, Hashable, Codable {
  /// A Heat metadata file named by `OS_CONFIG_FILES`; its content is kept.
  case config
  /// An environment.d file; its digest is kept.
  case environment
  /// An os-apply-config template; its digest and the keys it names are kept.
  case template
}
