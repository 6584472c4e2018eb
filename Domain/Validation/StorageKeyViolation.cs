namespace ServerlessTasks.Domain.Validation;

/// <summary>Why an id is not safe as a storage key (see <see cref="StorageKeyRules"/>).</summary>
public enum StorageKeyViolation
{
    /// <summary>The id is safe.</summary>
    None,

    /// <summary>Null or empty.</summary>
    Empty,

    /// <summary>Longer than the configured maximum.</summary>
    TooLong,

    /// <summary>Contains a lone UTF-16 surrogate (not well-formed Unicode).</summary>
    MalformedUnicode,

    /// <summary>Contains a character outside the allowed set (control, whitespace, '/', '\', '#', '?', '%', ...).</summary>
    ForbiddenCharacter,

    /// <summary>Exactly <c>.</c> or <c>..</c> (path segments).</summary>
    DotSegment,
}
