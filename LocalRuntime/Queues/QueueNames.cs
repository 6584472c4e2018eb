using System.Globalization;

namespace LocalRuntime.Queues;

/// <summary>Azure Storage queue naming, enforced on both transports so a name that works here works in Azure.</summary>
public static class QueueNames
{
    /// <summary>The suffix of a queue's poison queue.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>The longest queue name Azure accepts.</summary>
    public const int MaxLength = 63;

    /// <summary>
    /// The poison queue of <paramref name="queueName"/>, or null when it has none: a queue that is itself a poison
    /// queue, or whose name is too long for the suffix (as Microsoft's extension decides).
    /// </summary>
    public static string? PoisonQueueOf(string queueName)
    {
        ArgumentNullException.ThrowIfNull(queueName);
        return queueName.EndsWith(PoisonSuffix, StringComparison.Ordinal) || queueName.Length + PoisonSuffix.Length > MaxLength
            ? null
            : queueName + PoisonSuffix;
    }

    /// <summary>Whether a name is valid: 3-63 of a-z, 0-9 and single inner hyphens.</summary>
    public static bool IsValid(string? name)
    {
        if (name is null || name.Length is < 3 or > MaxLength || name[0] == '-' || name[^1] == '-')
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') || (c == '-' && name[i - 1] != '-');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lower-cases a name (as the extension does) and throws when it is still not a valid queue name.</summary>
    public static string Normalize(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lower = name.ToLower(CultureInfo.InvariantCulture);
        return IsValid(lower)
            ? lower
            : throw new InvalidOperationException(
                $"'{name}' ({what}) is not a valid queue name: use 3-63 lowercase letters, digits and single hyphens, not at either end.");
    }
}
