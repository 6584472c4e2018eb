namespace ServerlessTasks.Domain.Security;

/// <summary>Why a callback URL was refused.</summary>
public enum CallbackUrlProblem
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>Not an absolute URL.</summary>
    Malformed,

    /// <summary>Scheme other than http or https.</summary>
    UnsupportedScheme,

    /// <summary>Contains user information (<c>user:password@</c>), a classic way to disguise the real host.</summary>
    UserInfo,

    /// <summary>The host is an IP address (in any notation) in a refused range.</summary>
    BlockedAddress,

    /// <summary>The host is a name reserved for the local machine (<c>localhost</c>, <c>*.localhost</c>).</summary>
    BlockedHostName,
}
