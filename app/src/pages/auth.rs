//! Sign-in and sign-up. Plain HTML forms posted to the server, so they work before the
//! WebAssembly has loaded and without JavaScript at all; errors come back in the query.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    SignIn,
    SignUp,
}

#[component]
pub fn Login() -> impl IntoView {
    view! { <AuthForm mode=Mode::SignIn /> }
}

#[component]
pub fn Signup() -> impl IntoView {
    view! { <AuthForm mode=Mode::SignUp /> }
}

#[component]
fn AuthForm(mode: Mode) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &'static str| query.read().get(name).unwrap_or_default();
    let (title, action, submit, autocomplete) = match mode {
        Mode::SignIn => ("Sign in", "/auth/login", "Sign in", "current-password"),
        Mode::SignUp => (
            "Create your account",
            "/auth/signup",
            "Create account",
            "new-password",
        ),
    };
    view! {
        <Title text=title />
        <section class="auth-card">
            <h1>{title}</h1>
            <Show when=move || !param("error").is_empty()>
                <p class="form-error" role="alert" data-testid="form-error">
                    {move || param("error")}
                </p>
            </Show>
            <form method="post" action=action class="stack">
                <input type="hidden" name="next" value=move || param("next") />
                <label for="email">"E-mail"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    required
                    value=move || param("email")
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete=autocomplete
                    required
                    minlength="8"
                />
                {(mode == Mode::SignUp).then(|| view! { <p class="hint">"At least 8 characters."</p> })}
                <button type="submit" class="primary">
                    {submit}
                </button>
            </form>
            {match mode {
                Mode::SignIn => {
                    view! {
                        <p>
                            "New to EzLift? " <a href="/signup">"Create an account"</a>
                        </p>
                    }
                }
                Mode::SignUp => {
                    view! {
                        <p>
                            "Already have an account? " <a href="/login">"Sign in"</a>
                        </p>
                    }
                }
            }}
        </section>
    }
}
