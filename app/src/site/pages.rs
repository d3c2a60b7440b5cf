use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AboutPage() -> impl IntoView {
    view! {
        <Title text="About"/>
        <h1>"About Tenant Voice"</h1>
        <p class="lead">
            "Tenant Voice is where social housing tenants and their landlords put promises, "
            "results and answers on the public record."
        </p>
        <h2>"What you can do here"</h2>
        <ul>
            <li>"Read each landlord's commitments and how it is performing against them."</li>
            <li>"Propose and vote on topics for the tenant panel to look into."</li>
            <li>"Read the panel's reports and the landlord's responses, with their due dates."</li>
            <li>"Read the yearly review that tenants and staff write together."</li>
        </ul>
        <h2 id="accessibility">"Accessibility"</h2>
        <p>
            "Every page works without JavaScript, with a keyboard and with a screen reader, "
            "on small screens and when zoomed in. If something does not work for you, "
            "please tell your landlord's involvement team so it can be fixed."
        </p>
    }
}
