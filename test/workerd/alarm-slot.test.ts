import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmSlot } from "../../durable-objects/alarm-slot.js";
import { newZoneId, zoneStub } from "./geozone-fixtures.js";

describe("AlarmSlot: the object's one alarm, remembered in memory", () => {
	it("sets, keeps and deletes the stored alarm, and reads storage again once told it is unknown", async () => {
		const stub = zoneStub(newZoneId());
		await runInDurableObject(stub, async (_instance, state) => {
			await state.storage.deleteAlarm();
			const slot = new AlarmSlot(state.storage);
			const at = Date.now() + 3_600_000;
			await slot.set(at);
			expect(await state.storage.getAlarm()).toBe(at);
			await slot.set(at + 1);
			expect(await state.storage.getAlarm()).toBe(at + 1);
			await slot.set(null);
			expect(await state.storage.getAlarm()).toBeNull();

			// Another writer moved the alarm: after unknown() the slot reads it and corrects it.
			await state.storage.setAlarm(at + 5);
			slot.unknown();
			await slot.set(null);
			expect(await state.storage.getAlarm()).toBeNull();

			// After fired() the slot takes the alarm as gone and sets it again, even to the same time.
			await slot.set(at);
			await state.storage.deleteAlarm(); // what the runtime does when the alarm runs
			slot.fired();
			await slot.set(at);
			expect(await state.storage.getAlarm()).toBe(at);
			await state.storage.deleteAlarm();
		});
	});
});

describe("AlarmSlot.atMost: the alarm only moves earlier", () => {
	it("sets an alarm when there is none, moves it earlier, and leaves an earlier one where it is", async () => {
		const stub = zoneStub(newZoneId());
		await runInDurableObject(stub, async (_instance, state) => {
			await state.storage.deleteAlarm();
			const slot = new AlarmSlot(state.storage);
			const at = Date.now() + 3_600_000;
			await slot.atMost(at);
			expect(await state.storage.getAlarm()).toBe(at);
			await slot.atMost(at + 10_000);
			expect(await state.storage.getAlarm()).toBe(at);
			await slot.atMost(null);
			expect(await state.storage.getAlarm()).toBe(at);
			await slot.atMost(at - 10_000);
			expect(await state.storage.getAlarm()).toBe(at - 10_000);
			expect(slot.firesBy(at - 10_000)).toBe(true);
			expect(slot.firesBy(at - 10_001)).toBe(false);
			slot.fired();
			expect(slot.firesBy(at)).toBe(false);
			await state.storage.deleteAlarm();
		});
	});
});
