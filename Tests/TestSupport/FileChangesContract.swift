import Foundation
import RefreshVocabulary

/// The JSON contract of `history changes`, `history file` and `drift`
/// (docs/changes.md), as types the black-box tests decode through.
extension JSONContract {
  /// `history changes --json`.
  public struct FileChanges: Decodable, Sendable {
    public let run: Int64
    public let method: WatchMethod?
    public let complete: Bool?
    public let incompleteReason: String?
    public let changesLost: Int64?
    public let watchedPaths: [String]
    public let filesChanged: Int
    public let files: [FileChange]
    public let packages: [RunPackage]
  }

  /// One change.
  public struct FileChange: Decodable, Sendable, Equatable {
    public let path: String
    public let change: FileChangeKind
    public let renamedFrom: String?
    public let phase: Phase?
    public let script: String?
    public let byRefresh: Bool
    public let when: FileChangeTime
    public let seenAt: String
    public let kind: String
    public let secret: Bool
    public let binary: Bool
    public let size: Int64?
    public let mode: String?
    public let sha256: String?
    public let contentKept: Bool
    public let linesAdded: Int?
    public let linesRemoved: Int?
    public let error: String?
    public let diff: String?
  }

  /// A package changed during the run.
  public struct RunPackage: Decodable, Sendable, Equatable {
    public let name: String
    public let change: String
    public let from: String?
    public let to: String?
    public let phase: Phase?
    public let script: String?
  }

  /// `history file PATH --json`.
  public struct FileHistory: Decodable, Sendable {
    public let path: String
    public let versions: [FileVersion]
  }

  /// One recorded version.
  public struct FileVersion: Decodable, Sendable, Equatable {
    public let run: Int64
    public let change: FileChangeKind
    public let renamedFrom: String?
    public let when: FileChangeTime
    public let phase: Phase?
    public let script: String?
    public let byRefresh: Bool
    public let seenAt: String
    public let kind: String
    public let size: Int64?
    public let mode: String?
    public let owner: Int64
    public let group: Int64
    public let sha256: String?
    public let secret: Bool
    public let binary: Bool
    public let contentKept: Bool
  }

  /// `drift --json`.
  public struct Drift: Decodable, Sendable {
    public let sinceRun: Int64?
    public let watchedPaths: [String]
    public let complete: Bool
    public let unreadable: [String]
    public let filesDrifted: Int
    public let files: [DriftedFile]
  }

  /// One file changed since the last refresh.
  public struct DriftedFile: Decodable, Sendable, Equatable {
    public let path: String
    public let change: FileChangeKind
    public let renamedFrom: String?
    public let kind: String
    public let secret: Bool
    public let binary: Bool
    public let size: Int64?
    public let linesAdded: Int?
    public let linesRemoved: Int?
    public let error: String?
    public let diff: String?
  }
}
