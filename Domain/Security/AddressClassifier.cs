using System.Net;
using System.Net.Sockets;

namespace ServerlessTasks.Domain.Security;

/// <summary>
/// Classifies IP addresses for the SSRF guard. IPv6 forms that carry an IPv4 address (IPv4-mapped
/// <c>::ffff:a.b.c.d</c>, IPv4-compatible <c>::a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>)
/// are classified by the IPv4 address they reach, so <c>::ffff:127.0.0.1</c> is loopback.
/// </summary>
public static class AddressClassifier
{
    /// <summary>Classifies <paramref name="address"/>.</summary>
    /// <param name="address">An IPv4 or IPv6 address.</param>
    /// <returns>Its category; anything not known to be globally routable is not <see cref="AddressCategory.Public"/>.</returns>
    public static AddressCategory Classify(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => ClassifyV4(ToUInt32(address.GetAddressBytes(), 0)),
        AddressFamily.InterNetworkV6 => ClassifyV6(address.GetAddressBytes()),
        _ => AddressCategory.Reserved,
    };

    /// <summary>True when <paramref name="address"/> is globally routable unicast.</summary>
    /// <param name="address">The address.</param>
    public static bool IsPublic(IPAddress address) => Classify(address) == AddressCategory.Public;

    /// <summary>
    /// The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 or 6to4), if any;
    /// the address itself for IPv4.
    /// </summary>
    /// <param name="address">The address.</param>
    /// <param name="ipv4">The embedded IPv4 address when found.</param>
    /// <returns>True when an IPv4 address was found.</returns>
    public static bool TryGetEmbeddedIPv4(IPAddress address, out IPAddress ipv4)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            ipv4 = address;
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && TryEmbeddedV4(address.GetAddressBytes(), out var value))
        {
            ipv4 = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
            return true;
        }

        ipv4 = IPAddress.None;
        return false;
    }

    private static AddressCategory ClassifyV4(uint a)
    {
        return a switch
        {
            _ when In(a, 0x00000000, 8) => AddressCategory.Unspecified,
            _ when In(a, 0x0A000000, 8) => AddressCategory.Private,
            _ when In(a, 0x64400000, 10) => AddressCategory.SharedAddressSpace,
            _ when In(a, 0x7F000000, 8) => AddressCategory.Loopback,
            _ when In(a, 0xA9FE0000, 16) => AddressCategory.LinkLocal,
            _ when In(a, 0xAC100000, 12) => AddressCategory.Private,
            _ when In(a, 0xC0000000, 24) => AddressCategory.Reserved,
            _ when In(a, 0xC0000200, 24) => AddressCategory.Documentation,
            _ when In(a, 0xC0586300, 24) => AddressCategory.Reserved,
            _ when In(a, 0xC0A80000, 16) => AddressCategory.Private,
            _ when In(a, 0xC6120000, 15) => AddressCategory.Reserved,
            _ when In(a, 0xC6336400, 24) => AddressCategory.Documentation,
            _ when In(a, 0xCB007100, 24) => AddressCategory.Documentation,
            _ when In(a, 0xE0000000, 4) => AddressCategory.Multicast,
            0xFFFFFFFF => AddressCategory.Broadcast,
            _ when In(a, 0xF0000000, 4) => AddressCategory.Reserved,
            _ => AddressCategory.Public,
        };
    }

    private static AddressCategory ClassifyV6(byte[] b)
    {
        if (TryEmbeddedV4(b, out var v4))
        {
            return ClassifyV4(v4);
        }

        if (AllZero(b, 0, 15))
        {
            return b[15] switch
            {
                0 => AddressCategory.Unspecified,
                1 => AddressCategory.Loopback,
                _ => AddressCategory.Reserved,
            };
        }

        return b switch
        {
            [0xFF, ..] => AddressCategory.Multicast,
            [0xFE, var second, ..] when (second & 0xC0) == 0x80 => AddressCategory.LinkLocal,
            [0xFE, var second, ..] when (second & 0xC0) == 0xC0 => AddressCategory.Private,
            [var first, ..] when (first & 0xFE) == 0xFC => AddressCategory.Private,
            [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01, ..] => AddressCategory.Private,
            [0x20, 0x01, 0x0D, 0xB8, ..] => AddressCategory.Documentation,
            [0x20, 0x01, 0x00, 0x00, ..] => AddressCategory.Reserved, // Teredo: tunnels to an obscured IPv4 address.
            [var first, ..] when (first & 0xE0) == 0x20 => AddressCategory.Public,
            _ => AddressCategory.Reserved,
        };
    }

    private static bool TryEmbeddedV4(byte[] b, out uint v4)
    {
        v4 = 0;
        var mapped = AllZero(b, 0, 10) && b[10] == 0xFF && b[11] == 0xFF;
        var compatible = AllZero(b, 0, 12) && !AllZero(b, 12, 3); // ::a.b.c.d, excluding :: and ::1
        var nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && AllZero(b, 4, 8);
        if (mapped || compatible || nat64)
        {
            v4 = ToUInt32(b, 12);
            return true;
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            v4 = ToUInt32(b, 2); // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
            return true;
        }

        return false;
    }

    private static bool In(uint address, uint network, int prefixLength) =>
        (address & (uint.MaxValue << (32 - prefixLength))) == network;

    private static uint ToUInt32(byte[] b, int offset) =>
        ((uint)b[offset] << 24) | ((uint)b[offset + 1] << 16) | ((uint)b[offset + 2] << 8) | b[offset + 3];

    private static bool AllZero(byte[] b, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            if (b[i] != 0)
            {
                return false;
            }
        }

        return true;
    }
}
