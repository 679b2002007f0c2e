/**
 * Which webhook destinations the edge will post to. A URL is refused when its
 * host is an IP literal outside the public internet (loopback, private,
 * link-local, CGNAT, unique-local, multicast, reserved, IPv4-mapped and the
 * like), or a name that only resolves inside a host or a private network
 * (`localhost`, `*.internal`, single labels, …). Names are not resolved here:
 * docs/security.md says what that leaves open and what delivery does.
 * WHATWG URL parsing has already normalised the host (IPv4 in any spelling
 * becomes dotted decimal, IPv6 becomes compressed lower-case hex).
 */

/**
 * Why the zone must not post to a stored webhook URL, or null. Delivery asks
 * again before every attempt, so a row written before these rules (or under
 * another dev setting) cannot reach a private address.
 */
export function refusedWebhookTarget(rawUrl: string, allowLoopback: boolean): string | null {
	let url: URL;
	try {
		url = new URL(rawUrl);
	} catch {
		return "not a URL";
	}
	if (url.protocol !== "https:" && !(url.protocol === "http:" && allowLoopback)) return `scheme ${url.protocol}`;
	return refusedHostReason(url.hostname, allowLoopback);
}

/** Why a host is refused, in words for the error message; null when it may be posted to. */
export function refusedHostReason(hostname: string, allowLoopback: boolean): string | null {
	if (hostname.startsWith("[") && hostname.endsWith("]")) return ipv6Reason(hostname.slice(1, -1), allowLoopback);
	const v4 = parseIpv4(hostname);
	if (v4 !== null) return ipv4Reason(v4, allowLoopback);
	return nameReason(hostname, allowLoopback);
}

/** Name suffixes that resolve only on the host or inside a private network. */
const PRIVATE_SUFFIXES = ["localhost", "internal", "local", "localdomain", "home.arpa", "intranet", "lan", "corp"];

function nameReason(hostname: string, allowLoopback: boolean): string | null {
	// "localhost." is "localhost": a trailing dot only makes the name absolute.
	const name = hostname.replace(/\.+$/, "").toLowerCase();
	if (name === "localhost" && allowLoopback) return null;
	for (const suffix of PRIVATE_SUFFIXES) {
		if (name === suffix || name.endsWith(`.${suffix}`)) return `a host under .${suffix}, which is not on the internet`;
	}
	if (!name.includes(".")) return "a single-label host name, which resolves only inside a network";
	return null;
}

function parseIpv4(hostname: string): number[] | null {
	const parts = hostname.split(".");
	if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
	const octets = parts.map(Number);
	return octets.every((o) => o <= 255) ? octets : null;
}

/** [first octets, prefix length, what it is] of IPv4 ranges that are not public destinations. */
const IPV4_BLOCKED: [number[], number, string][] = [
	[[0], 8, "this-network (0.0.0.0/8)"],
	[[10], 8, "private (10.0.0.0/8)"],
	[[100, 64], 10, "carrier-grade NAT (100.64.0.0/10)"],
	[[127], 8, "loopback (127.0.0.0/8)"],
	[[169, 254], 16, "link-local, cloud metadata (169.254.0.0/16)"],
	[[172, 16], 12, "private (172.16.0.0/12)"],
	[[192, 0, 0], 24, "IETF protocol assignments (192.0.0.0/24)"],
	[[192, 0, 2], 24, "documentation (192.0.2.0/24)"],
	[[192, 168], 16, "private (192.168.0.0/16)"],
	[[198, 18], 15, "benchmarking (198.18.0.0/15)"],
	[[198, 51, 100], 24, "documentation (198.51.100.0/24)"],
	[[203, 0, 113], 24, "documentation (203.0.113.0/24)"],
	[[224], 4, "multicast (224.0.0.0/4)"],
	[[240], 4, "reserved (240.0.0.0/4)"],
];

function toBits(octets: number[]): number {
	return octets.reduce((acc, o) => acc * 256 + o, 0);
}

function inRange(address: number[], prefix: number[], length: number): boolean {
	const full = [...prefix, 0, 0, 0, 0].slice(0, 4);
	const mask = length === 0 ? 0 : 2 ** 32 - 2 ** (32 - length);
	return (toBits(address) & mask) >>> 0 === (toBits(full) & mask) >>> 0;
}

function ipv4Reason(octets: number[], allowLoopback: boolean): string | null {
	if (allowLoopback && octets[0] === 127) return null;
	for (const [prefix, length, what] of IPV4_BLOCKED) {
		if (inRange(octets, prefix, length)) return `a ${what} address`;
	}
	return null;
}

/** The eight 16-bit groups of a compressed IPv6 address, or null when it is not one. */
function parseIpv6(text: string): number[] | null {
	const halves = text.split("::");
	if (halves.length > 2) return null;
	const groups = (part: string | undefined): number[] | null => {
		if (part === undefined || part === "") return [];
		const out: number[] = [];
		for (const g of part.split(":")) {
			if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
			out.push(Number.parseInt(g, 16));
		}
		return out;
	};
	const head = groups(halves[0]);
	const tail = groups(halves[1]);
	if (head === null || tail === null) return null;
	const missing = 8 - head.length - tail.length;
	if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
	return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function ipv6Reason(text: string, allowLoopback: boolean): string | null {
	const g = parseIpv6(text);
	if (g === null) return "an IPv6 address that cannot be read";
	const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
	const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
	if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 1) return allowLoopback ? null : "a loopback (::1) address";
	if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 0) return "the unspecified (::) address";
	if (firstFiveZero && g5 === 0xffff) return "an IPv4-mapped (::ffff:0:0/96) address";
	if (firstFiveZero && g5 === 0) return "an IPv4-compatible (::/96) address";
	if (g0 === 0x64 && g1 === 0xff9b) return "a NAT64 (64:ff9b::/32) address";
	if (g0 === 0x2002) return "a 6to4 (2002::/16) address";
	if ((g0 & 0xfe00) === 0xfc00) return "a unique-local (fc00::/7) address";
	if ((g0 & 0xffc0) === 0xfe80) return "a link-local (fe80::/10) address";
	if ((g0 & 0xffc0) === 0xfec0) return "a site-local (fec0::/10) address";
	if ((g0 & 0xff00) === 0xff00) return "a multicast (ff00::/8) address";
	if (g0 === 0x2001 && g1 === 0x0db8) return "a documentation (2001:db8::/32) address";
	if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return "a discard (100::/64) address";
	if (g0 === 0x2001 && g1 < 0x200) return "an IETF protocol assignment (2001::/23) address";
	return null;
}
