/**
 * Which provider location each catalogue grid zone maps to, for the providers
 * that do not speak Electricity Maps zone codes. A grid zone with no entry is
 * not asked of that provider: it takes the next rule (the catalogue default).
 * Operators override either map with a JSON var (see docs/carbon-and-latency.md).
 */

/**
 * WattTime v3 balancing-authority regions (US grids only). Check or extend with
 * `GET /v3/region-from-loc?latitude=..&longitude=..&signal_type=co2_moer`.
 */
export const DEFAULT_WATTTIME_REGIONS: Readonly<Record<string, string>> = {
	"US-CAL-CISO": "CAISO_NORTH",
	"US-NW-BPAT": "BPA",
	"US-NY-NYIS": "NYISO_NYC",
	"US-MIDA-PJM": "PJM_DC",
	"US-TEX-ERCO": "ERCOT_NORTHCENTRAL",
};

/**
 * Carbon Aware SDK locations: the Azure region names the SDK resolves by
 * default, one per catalogue grid zone, chosen for the same city or grid.
 */
export const DEFAULT_CARBON_AWARE_SDK_LOCATIONS: Readonly<Record<string, string>> = {
	"US-CAL-CISO": "westus",
	"US-TEX-ERCO": "southcentralus",
	"US-MIDA-PJM": "eastus",
	"US-NW-BPAT": "westus2",
	"US-MIDW-MISO": "centralus",
	"CA-QC": "canadaeast",
	"CA-ON": "canadacentral",
	GB: "uksouth",
	IE: "northeurope",
	FR: "francecentral",
	DE: "germanywestcentral",
	NL: "westeurope",
	"SE-SE3": "swedencentral",
	"NO-NO1": "norwayeast",
	ES: "spaincentral",
	PL: "polandcentral",
	"IN-WE": "westindia",
	SG: "southeastasia",
	"JP-TK": "japaneast",
	KR: "koreacentral",
	"AU-NSW": "australiaeast",
	"BR-CS": "brazilsouth",
	ZA: "southafricanorth",
};
