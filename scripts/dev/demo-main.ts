/**
 * The demo container of docker-compose.yml: seeds the demo tenant and campaign, then runs the
 * simulator against it in this process. (`npm start` does the same with separate processes.)
 */
import { seedDemo } from "./demo.js";

const campaignAddr = process.env.TALLY_CAMPAIGN_ADDR ?? "127.0.0.1:50051";
const demo = await seedDemo(campaignAddr);
console.log(JSON.stringify({ msg: "demo seeded", campaignId: demo.campaignId }));
process.env.TALLY_SIM_CAMPAIGN_IDS = demo.campaignId;
process.env.TALLY_SIM_TOKEN = demo.token;
await import("../../services/ingestion/src/connectors/simulator/simulator-main.js");
