namespace ServerlessTasks.Domain.Security;

/// <summary>What kind of network an IP address belongs to, for SSRF decisions.</summary>
public enum AddressCategory
{
    /// <summary>A globally routable unicast address: the only kind callbacks may target in production.</summary>
    Public,

    /// <summary>127.0.0.0/8 or ::1.</summary>
    Loopback,

    /// <summary>10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (old site-local), 64:ff9b:1::/48.</summary>
    Private,

    /// <summary>169.254/16 (including the 169.254.169.254 metadata endpoint) or fe80::/10.</summary>
    LinkLocal,

    /// <summary>100.64/10, carrier-grade NAT shared address space.</summary>
    SharedAddressSpace,

    /// <summary>0.0.0.0/8 ("this network") or ::.</summary>
    Unspecified,

    /// <summary>224/4 or ff00::/8.</summary>
    Multicast,

    /// <summary>255.255.255.255.</summary>
    Broadcast,

    /// <summary>192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32.</summary>
    Documentation,

    /// <summary>Any other special-purpose or unallocated range (240/4, 198.18/15, 192.0.0/24, Teredo, IPv6 outside 2000::/3, ...).</summary>
    Reserved,
}
