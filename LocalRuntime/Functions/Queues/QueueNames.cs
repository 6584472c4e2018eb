namespace LocalRuntime.Functions.Queues;

/// <summary>Azure Storage queue naming rules, enforced locally so a name that works here works in Azure.</summary>
public static class QueueNames
{
    /// <summary>The suffix of a queue's poison queue.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>The poison queue of a queue.</summary>
    public static string Poison(string queueName) => queueName + PoisonSuffix;

    /// <summary>Whether a name is a valid queue name: 3-63 of a-z, 0-9 and single inner hyphens.</summary>
    public static bool IsValid(string? name)
    {
        if (name is null || name.Length is < 3 or > 63 || name[0] == '-' || name[^1] == '-')
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

    /// <summary>Throws when a name is not a valid queue name.</summary>
    public static string Validate(string name, string what) => IsValid(name)
        ? name
        : throw new InvalidOperationException(
            $"'{name}' ({what}) is not a valid queue name: use 3-63 lowercase letters, digits and single hyphens, not at either end.");
}
